import type { DefaultSession } from "next-auth";
import type { Department, Role } from "@/lib/users";

declare module "next-auth" {
  interface User {
    role: Role;
    department?: Department;
  }
  interface Session {
    user: DefaultSession["user"] & { id: string; role: Role; department?: Department };
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    role: Role;
    department?: Department;
  }
}
