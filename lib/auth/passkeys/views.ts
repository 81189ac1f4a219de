// A passkey as the account pages and GET /api/account/passkeys show it: never the key.

export type PasskeyView = {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  /** Synced to a cloud keychain (multi-device), or bound to one authenticator. */
  synced: boolean;
  backedUp: boolean;
};

type PasskeyRow = {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  deviceType: string;
  backedUp: boolean;
};

export const toPasskeyView = (row: PasskeyRow): PasskeyView => ({
  id: row.id,
  name: row.name,
  createdAt: row.createdAt,
  lastUsedAt: row.lastUsedAt,
  synced: row.deviceType === "multiDevice",
  backedUp: row.backedUp,
});
