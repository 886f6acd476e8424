/**
 * Imports every chat/card handler module once (each calls registerIntent / registerAction).
 * Add ONE import line for yours. The renderers are loaded with them.
 */
import '../render';
import './help';
import './tickets';
import './contracts';
import './leads';
import './customers';
