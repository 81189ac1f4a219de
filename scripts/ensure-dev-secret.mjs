// Development only: make sure .env.local holds an AUTH_SECRET, generated once, so that
// restarting `npm run dev` keeps everyone signed in. Production never runs this.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, appendFileSync } from "node:fs";

const FILE = ".env.local";
const current = existsSync(FILE) ? readFileSync(FILE, "utf8") : "";
if (process.env.AUTH_SECRET || /^AUTH_SECRET=/m.test(current)) process.exit(0);
const prefix = current && !current.endsWith("\n") ? "\n" : "";
appendFileSync(FILE, `${prefix}AUTH_SECRET=${randomBytes(48).toString("base64url")}\n`, { mode: 0o600 });
console.log(`Generated AUTH_SECRET into ${FILE} (kept out of git).`);
