// The Contact API of the built-in Lark-compatible Open API is a product module now: server/sandbox/lark/contact.ts.
export * from '../../server/sandbox/lark/contact';
