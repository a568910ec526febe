// KIN Realtime's React client package.

export { SocketProvider, useSocket } from "./SocketProvider";
export type { SocketProviderProps, SocketContextValue } from "./SocketProvider";
export { useSocketEvent } from "./useSocketEvent";
export type { EventHandler } from "./registry";
export { connectionReducer, initialConnection, isUnauthorized } from "./connection";
export type { ConnectionState, ConnectionInfo, ConnectionEvent } from "./connection";
export { createSocketIO } from "./socket";
export type { SocketLike, SocketOptions, CreateSocket } from "./socket";
export { defaultSocketUrl } from "./env";

export { RealtimeNotifications } from "./RealtimeNotifications";
export type { RealtimeNotificationsProps } from "./RealtimeNotifications";
export { toastReducer, toastFromEvent, initialToasts, safeLink, TOAST_EVENTS } from "./toasts";
export type { Toast, ToastState, ToastAction, ToastLevel, ToastEventName } from "./toasts";

export { ActivityFeed } from "./ActivityFeed";
export type { ActivityFeedProps } from "./ActivityFeed";
export { useActivityFeed, FEED_EVENTS } from "./useActivityFeed";
export type { ActivityFeedOptions, ActivityFeedState, HistoryStatus } from "./useActivityFeed";
export { mergeActivity, activityFromEvent, parseActivityItem, newestTime } from "./feed";
export type { ActivityItem } from "./feed";

export { PresenceIndicator, TeamPresence } from "./PresenceIndicator";
export type { PresenceIndicatorProps, TeamPresenceProps } from "./PresenceIndicator";
export { usePresence } from "./usePresence";
export type { UsePresenceOptions, PresenceResult } from "./usePresence";
export {
  presenceReducer,
  initialPresence,
  parsePresenceUser,
  sortPresence,
  presenceList,
  SETTABLE_STATUSES,
  STATUS_LABEL,
} from "./presence";
export type { PresenceStatus, SettableStatus, PresenceUser, PresenceState, PresenceAction } from "./presence";

export { api, createApi, ApiError, isApiError } from "./api";
export type { Api, ApiRequest, Page } from "./api";
export { describeEvent, truncate, EVENT_LABEL, EVENT_CATEGORY } from "./describe";
export type { EventSummary, EventCategory } from "./describe";
export { RecentIds, rememberId } from "./dedupe";
export { formatTime, formatAgo } from "./format";

export { EVENT_NAMES } from "../generated/events";
export type * from "../generated/events";
