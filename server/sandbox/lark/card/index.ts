export { validateCard, cardRejection, describeViolations, type Violation } from './validate';
export { COMPONENTS, DEPRECATED_TAGS } from './rules';
export { DOCS } from './docs';
