// Server secrets: the sync token secret (src/sync/tokens.ts) and the key that encrypts connector
// provisioning (src/synchronizations/). Each comes from the configuration or, when it is not
// configured, is generated once and kept in the database, so that every instance shares it.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Config } from './config.ts';
import type { PrismaClient } from './db/database.ts';

/** The configured secret, or the one generated for `key` once and shared by every instance through the database. */
async function storedSecret(prisma: PrismaClient, key: 'sync_token_secret' | 'secrets_key', configured: string | null): Promise<string> {
  if (configured) return configured;
  await prisma.setting.createMany({ data: [{ key, value: randomBytes(32).toString('base64url') }], skipDuplicates: true });
  return (await prisma.setting.findUniqueOrThrow({ where: { key } })).value;
}

/** The secrets a server (or a command on its own database) needs: for its Services. */
export async function serverSecrets(prisma: PrismaClient, config: Config) {
  return {
    syncSecret: await storedSecret(prisma, 'sync_token_secret', config.sync.tokenSecret),
    secretBox: new SecretBox(await storedSecret(prisma, 'secrets_key', config.secretsKey)),
  };
}

/** Thrown when an envelope cannot be opened: the key changed or was lost, or the value was altered. */
export class SecretUnreadable extends Error {}

const version = 'v1';
const ivBytes = 12;
const tagBytes = 16;

/**
 * AES-256-GCM with a key derived (HKDF-SHA256) from the server secret. A sealed value is a
 * versioned envelope, `v1:` + base64url(iv | tag | ciphertext), so that a later scheme can be
 * told apart. The associated data binds it to its row (a synchronization's id): an envelope
 * copied onto another row does not open.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(secret: string) {
    this.#key = Buffer.from(hkdfSync('sha256', secret, '', 'convene secrets v1', 32));
  }

  seal(plaintext: string, associatedData: string): string {
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${version}:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`;
  }

  open(envelope: string, associatedData: string): string {
    const [prefix, body] = envelope.split(':');
    if (prefix !== version || !body) throw new SecretUnreadable(`not a ${version} envelope`);
    const bytes = Buffer.from(body, 'base64url');
    if (bytes.length < ivBytes + tagBytes) throw new SecretUnreadable('envelope too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, ivBytes));
      decipher.setAAD(Buffer.from(associatedData));
      decipher.setAuthTag(bytes.subarray(ivBytes, ivBytes + tagBytes));
      return Buffer.concat([decipher.update(bytes.subarray(ivBytes + tagBytes)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretUnreadable('it does not open with this server key (SECRETS_KEY changed or lost)');
    }
  }
}
