import { timingSafeEqual } from "node:crypto";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { DEMO_USERS } from "./users";

/** Every demo user's password: DEMO_PASSWORD, "kin-demo" when unset. */
function passwordMatches(given: string): boolean {
  const want = Buffer.from(process.env.DEMO_PASSWORD || "kin-demo");
  const got = Buffer.from(given);
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * NextAuth with JWT sessions, encrypted with NEXTAUTH_SECRET: the same
 * secret as kinrt's, which decrypts the session cookie (or the token that
 * /api/kinrt-token hands out) and reads sub, name, email, role and
 * department from it.
 */
export const authOptions: NextAuthOptions = {
  session: { strategy: "jwt", maxAge: 8 * 60 * 60 },
  secret: process.env.NEXTAUTH_SECRET,
  providers: [
    CredentialsProvider({
      name: "Demo users",
      credentials: {
        username: { label: "Username", type: "text", placeholder: "sally, sam, pat, sue, ada …" },
        password: { label: "Password", type: "password" },
      },
      async authorize(credentials) {
        const user = DEMO_USERS.find((u) => u.username === credentials?.username?.trim().toLowerCase());
        if (!user || !passwordMatches(credentials?.password ?? "")) return null;
        return { id: user.id, name: user.name, email: user.email, role: user.role, department: user.department };
      },
    }),
  ],
  callbacks: {
    // What kinrt reads: sub (the user id), name, email, role, department.
    async jwt({ token, user }) {
      if (user) {
        token.sub = user.id;
        token.role = user.role;
        if (user.department) token.department = user.department;
        else delete token.department;
      }
      return token;
    },
    async session({ session, token }) {
      if (session.user) {
        session.user.id = token.sub ?? "";
        session.user.role = token.role;
        session.user.department = token.department;
      }
      return session;
    },
  },
};
