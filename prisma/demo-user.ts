// The seeded demo account: created by `npm run db:seed` and `npm run dev`, used by the
// README, the tests and the benchmark. One definition, so they cannot drift apart.
export const DEMO_USER: { email: string; password: string } = {
  email: "demo@example.com",
  password: "demo-password-123",
};
