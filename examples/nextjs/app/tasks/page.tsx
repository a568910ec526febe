import { TaskBoard } from "@/components/TaskBoard";

export default function TasksPage() {
  return <TaskBoard />;
}
