import { VoicemailList } from "@/components/VoicemailList";

export default function VoicemailsPage() {
  return <VoicemailList />;
}
