import { Conversations } from "@/components/Conversations";

export default function MessagesPage() {
  return <Conversations />;
}
