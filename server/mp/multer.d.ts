/** Minimal types for @koa/multer 4 (multer 2 ships none): only what server/mp uses. */
declare module '@koa/multer' {
  import type { Middleware } from 'koa';
  export interface File {
    fieldname: string;
    originalname: string;
    mimetype: string;
    size: number;
    buffer: Buffer;
  }
  export interface Options {
    storage?: unknown;
    /** Charset of part header parameters (file names) without an explicit one; multer's default is latin1. */
    defParamCharset?: string;
    limits?: { fileSize?: number; files?: number; fields?: number; fieldSize?: number; parts?: number };
    fileFilter?: (req: unknown, file: { fieldname: string; originalname: string; mimetype: string }, cb: (err: Error | null, accept?: boolean) => void) => void;
  }
  interface Instance {
    array(field: string, maxCount?: number): Middleware;
    single(field: string): Middleware;
    none(): Middleware;
  }
  interface MulterFn {
    (options?: Options): Instance;
    memoryStorage(): unknown;
  }
  const multer: MulterFn;
  export default multer;
}
