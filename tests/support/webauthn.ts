// A software authenticator for the HTTP tests: a real ES256 key (node:crypto), real
// CBOR attestation objects ("none" format) and real signed assertions, so the server's
// @simplewebauthn/server checks run exactly as for a browser. Each method takes the
// options JSON the server sent and can be told to misbehave (another origin, RP ID,
// counter, a tampered signature) to test the refusals.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";

// --- The smallest CBOR encoder that WebAuthn needs (RFC 8949): unsigned and negative
// integers, byte and text strings, maps. Not crypto: only the envelope.
type Cbor = number | string | Uint8Array | Map<number | string, Cbor>;

function head(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
  if (length < 0x10000) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(length, 1);
  return b;
}

export function cbor(value: Cbor): Buffer {
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === "string") {
    const bytes = Buffer.from(value, "utf8");
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  const parts = [head(5, value.size)];
  for (const [k, v] of value) parts.push(cbor(k), cbor(v));
  return Buffer.concat(parts);
}

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64url");
const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest();

const FLAGS = { up: 0x01, uv: 0x04, be: 0x08, bs: 0x10, at: 0x40 };

export type CreationOptions = { challenge: string; rp: { id?: string }; user: { id: string } };
export type RequestOptions = { challenge: string; rpId?: string };

export type CeremonyTweaks = {
  origin?: string;
  rpId?: string;
  /** The counter to report (default: one more than last time). */
  counter?: number;
  userVerified?: boolean;
  /** Flip a bit of the signature. */
  tamperSignature?: boolean;
  /** Another ceremony's type in clientDataJSON. */
  type?: string;
  /** Answer this challenge instead of the options' one. */
  challenge?: string;
};

/** One passkey on a software authenticator. */
export class SoftPasskey {
  readonly credentialId = randomBytes(16);
  private readonly privateKey: KeyObject;
  private readonly coseKey: Buffer;
  private counter = 0;
  userHandle = "";

  constructor(
    readonly origin: string,
    readonly options: { synced?: boolean; countsSignatures?: boolean } = {},
  ) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.privateKey = privateKey;
    const jwk = publicKey.export({ format: "jwk" });
    this.coseKey = cbor(
      new Map<number, Cbor>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x!, "base64url")],
        [-3, Buffer.from(jwk.y!, "base64url")],
      ]),
    );
  }

  get id(): string {
    return b64url(this.credentialId);
  }

  private flags(tweaks: CeremonyTweaks, attested: boolean): number {
    let flags = FLAGS.up | (tweaks.userVerified === false ? 0 : FLAGS.uv);
    if (this.options.synced) flags |= FLAGS.be | FLAGS.bs;
    if (attested) flags |= FLAGS.at;
    return flags;
  }

  private nextCounter(tweaks: CeremonyTweaks): number {
    if (tweaks.counter !== undefined) return tweaks.counter;
    if (this.options.countsSignatures === false) return 0;
    return ++this.counter;
  }

  private clientData(type: string, challenge: string, tweaks: CeremonyTweaks): Buffer {
    return Buffer.from(
      JSON.stringify({
        type: tweaks.type ?? type,
        challenge: tweaks.challenge ?? challenge,
        origin: tweaks.origin ?? this.origin,
        crossOrigin: false,
      }),
    );
  }

  /** The answer to navigator.credentials.create(options): a RegistrationResponseJSON. */
  register(options: CreationOptions, tweaks: CeremonyTweaks = {}) {
    const rpId = tweaks.rpId ?? options.rp.id!;
    this.userHandle = options.user.id;
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.options.countsSignatures === false ? 0 : this.counter);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([this.flags(tweaks, true)]),
      counter,
      Buffer.alloc(16), // AAGUID: none
      idLength,
      this.credentialId,
      this.coseKey,
    ]);
    const attestationObject = cbor(
      new Map<string, Cbor>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key" as const,
      response: {
        clientDataJSON: b64url(this.clientData("webauthn.create", options.challenge, tweaks)),
        attestationObject: b64url(attestationObject),
        transports: ["internal" as const],
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform" as const,
    };
  }

  /** The answer to navigator.credentials.get(options): an AuthenticationResponseJSON. */
  assert(options: RequestOptions, tweaks: CeremonyTweaks = {}) {
    const rpId = tweaks.rpId ?? options.rpId!;
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.nextCounter(tweaks));
    const authData = Buffer.concat([sha256(rpId), Buffer.from([this.flags(tweaks, false)]), counter]);
    const clientDataJSON = this.clientData("webauthn.get", options.challenge, tweaks);
    const signature = sign("sha256", Buffer.concat([authData, sha256(clientDataJSON)]), this.privateKey);
    if (tweaks.tamperSignature) signature[signature.length - 1]! ^= 0x01;
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key" as const,
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        // A discoverable credential names its account; one never registered names none.
        ...(this.userHandle ? { userHandle: this.userHandle } : {}),
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform" as const,
    };
  }
}
