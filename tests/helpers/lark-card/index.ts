// The Card JSON 2.0 rules are a product module now (the sandbox's Open API enforces them): server/sandbox/lark/card.
export { validateCard, cardRejection, describeViolations, type Violation } from '../../../server/sandbox/lark/card';
export { DOCS } from '../../../server/sandbox/lark/card';
