/**
 * The attachment storage port. The core stores and reads bytes only through this interface; the default
 * adapter (server/mp/disk-storage.ts) writes under a local directory, and object storage can replace it.
 */
export interface AttachmentStorage {
  put(key: string, data: Buffer, mime: string): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  remove(key: string): Promise<void>;
}

export interface NewAttachment {
  name: string;
  mime: string;
  data: Buffer;
}

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'] as const;
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
export const MAX_ATTACHMENTS = 6;

/** The declared type must match the bytes: a renamed script is not an image. */
export function sniffImage(data: Buffer): (typeof IMAGE_TYPES)[number] | null {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (data.length >= 6 && (data.subarray(0, 6).toString('latin1') === 'GIF87a' || data.subarray(0, 6).toString('latin1') === 'GIF89a')) return 'image/gif';
  if (data.length >= 12 && data.subarray(0, 4).toString('latin1') === 'RIFF' && data.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return null;
}

/** In-memory storage for tests and tools. */
export function memoryStorage(): AttachmentStorage & { size(): number } {
  const m = new Map<string, Buffer>();
  return {
    async put(key, data) {
      m.set(key, Buffer.from(data));
    },
    async get(key) {
      return m.get(key) ?? null;
    },
    async remove(key) {
      m.delete(key);
    },
    size: () => m.size,
  };
}
