/**
 * Imports every renderer module once (each calls registerRenderer). Add ONE import line for yours.
 */
import './builtin';
import './tickets';
import './contracts';
import './leads';
import './customers';
