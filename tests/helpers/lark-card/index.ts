export { validateCard, cardRejection, describeViolations, type Violation } from './validate';
export { DOCS } from './docs';
