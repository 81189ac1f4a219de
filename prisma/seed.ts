// `npm run db:seed`: creates the demo user if it does not exist, and the demo-cli OAuth
// client. Safe to run again; an existing demo user keeps its password.
import "./load-env";
import { DEMO_CLI_CLIENT, registerClient } from "../lib/auth/oauth/clients";
import { hashPassword } from "../lib/auth/password";
import { getConfig } from "../lib/config";
import { createDb } from "../lib/db/client";
import { DEMO_USER } from "./demo-user";

const db = createDb(getConfig().databaseUrl);
try {
  const existing = await db.user.findUnique({ where: { email: DEMO_USER.email } });
  if (existing) {
    if (!existing.emailVerifiedAt) {
      await db.user.update({ where: { id: existing.id }, data: { emailVerifiedAt: new Date() } });
    }
    console.log(`Demo user ${DEMO_USER.email} already exists.`);
  } else {
    // Verified: it has no mailbox, and REQUIRE_VERIFIED_EMAIL=true must not lock it out.
    await db.user.create({
      data: {
        email: DEMO_USER.email,
        passwordHash: await hashPassword(DEMO_USER.password),
        emailVerifiedAt: new Date(),
      },
    });
    console.log(`Created demo user ${DEMO_USER.email}.`);
  }
  await registerClient(db, DEMO_CLI_CLIENT);
  console.log(`OAuth client ${DEMO_CLI_CLIENT.id} is registered.`);
} finally {
  await db.$disconnect();
}
