"use client";

// KIN Realtime's React client package.

export { SocketProvider, useSocket } from "./SocketProvider.js";
export type { SocketProviderProps, SocketContextValue } from "./SocketProvider.js";
export { useSocketEvent } from "./useSocketEvent.js";
export type { EventHandler } from "./registry.js";
export { connectionReducer, initialConnection, isUnauthorized } from "./connection.js";
export type { ConnectionState, ConnectionInfo, ConnectionEvent } from "./connection.js";
export { createSocketIO } from "./socket.js";
export type { SocketLike, SocketOptions, CreateSocket } from "./socket.js";
export { defaultSocketUrl } from "./env.js";

export { RealtimeNotifications } from "./RealtimeNotifications.js";
export type { RealtimeNotificationsProps } from "./RealtimeNotifications.js";
export { toastReducer, toastFromEvent, initialToasts, safeLink, TOAST_EVENTS } from "./toasts.js";
export type { Toast, ToastState, ToastAction, ToastLevel, ToastEventName, ToastOptions } from "./toasts.js";
export { AlertControls } from "./AlertControls.js";
export type { AlertControlsProps } from "./AlertControls.js";
export { useAlertSettings, alertSettings, playChime, notifyDesktop, desktopSupported, ALERTS_STORAGE_KEY, SOUND_EVENTS } from "./alerts.js";
export type { AlertSettings, AlertSettingsResult } from "./alerts.js";
export { eventRecord, hrefFromRecord } from "./links.js";
export type { RecordRef, LinkedEvent, HrefFor } from "./links.js";
export { taskTitle, taskAbout, taskNumber, activityWord, personLabel } from "./labels.js";
export type { TaskAbout, NameOf } from "./labels.js";

export { ActivityFeed } from "./ActivityFeed.js";
export type { ActivityFeedProps } from "./ActivityFeed.js";
export { useActivityFeed, FEED_EVENTS } from "./useActivityFeed.js";
export type { ActivityFeedOptions, ActivityFeedState, HistoryStatus } from "./useActivityFeed.js";
export { mergeActivity, activityFromEvent, parseActivityItem, newestTime } from "./feed.js";
export type { ActivityItem } from "./feed.js";

export { PresenceIndicator, TeamPresence } from "./PresenceIndicator.js";
export type { PresenceIndicatorProps, TeamPresenceProps } from "./PresenceIndicator.js";
export { usePresence } from "./usePresence.js";
export type { UsePresenceOptions, PresenceResult } from "./usePresence.js";
export {
  presenceReducer,
  initialPresence,
  parsePresenceUser,
  parsePresenceEvent,
  sortPresence,
  presenceList,
  SETTABLE_STATUSES,
  STATUS_LABEL,
} from "./presence.js";
export type { PresenceStatus, SettableStatus, PresenceUser, PresenceState, PresenceAction } from "./presence.js";
/**
 * The watched scope (KIN_PRESENCE_SCOPE=watched, docs/presence.md): a
 * socket says whose presence it follows with PRESENCE_WATCH_EVENT
 * ("presence:watch", a PresenceWatchRequest of at most MAX_WATCHED users),
 * acknowledged with the users' current presence (parseWatchAnswer checks
 * it). usePresence's watch and watchListed options do this for you.
 */
export { PRESENCE_WATCH_EVENT, MAX_WATCHED, parseWatchAnswer } from "./presence.js";
export type { PresenceWatchRequest, PresenceWatchAnswer } from "./presence.js";

export { useMe, parseMe } from "./useMe.js";
export type { Me, MeResult } from "./useMe.js";

export { useVoicemails } from "./useVoicemails.js";
export type { UseVoicemailsOptions, VoicemailsResult, VoicemailPatch } from "./useVoicemails.js";
export {
  voicemailsReducer,
  initialVoicemails,
  voicemailList,
  parseVoicemail,
  voicemailFromEvent,
  voicemailMediaUrl,
  matchesVoicemail,
  VOICEMAIL_STATUSES,
  VOICEMAIL_STATUS_LABEL,
} from "./voicemails.js";
export type { Voicemail, VoicemailStatus, VoicemailFilter, VoicemailsState, VoicemailsAction } from "./voicemails.js";

export { useMessages } from "./useMessages.js";
export type { UseMessagesOptions, MessagesResult } from "./useMessages.js";
export {
  messagesReducer,
  initialMessages,
  conversationList,
  messageList,
  unreadTotal,
  parseConversation,
  parseMessage,
  messageFromEvent,
} from "./messages.js";
export type { Conversation, Message, MessagesState, MessagesAction } from "./messages.js";

export { useTaskRouter, TASKROUTER_EVENTS } from "./useTaskRouter.js";
export type { UseTaskRouterOptions, TaskRouterResult, ReservationAnswer } from "./useTaskRouter.js";
export {
  taskRouterReducer,
  initialTaskRouter,
  workerList,
  taskList,
  offerList,
  myWorker,
  knownActivities,
  parseWorker,
  parseTask,
} from "./taskrouter.js";
export type { Worker, WorkerStatus, Task, Offer, Activity, TaskRouterState, TaskRouterAction } from "./taskrouter.js";

export { useStats } from "./useStats.js";
export type { UseStatsOptions, StatsResult } from "./useStats.js";
export { parseStats, availability, coalescer, STATS_EVENTS } from "./stats.js";
export type {
  Stats,
  QueueStat,
  AgentStat,
  TodayStats,
  ServiceLevelStat,
  PerMinuteStats,
  Availability,
  Coalescer,
  CoalescerClock,
} from "./stats.js";

export {
  emptyCollection,
  applySnapshot,
  applyPage,
  applyLive,
  applyConfirmed,
  collectionItems,
  needsRefetch,
} from "./collection.js";
export type { Collection } from "./collection.js";
export type { ListLoaderState } from "./useListLoader.js";

export { api, apiUrl, createApi, ApiError, isApiError } from "./api.js";
export type { Api, ApiOptions, ApiRequest, Page } from "./api.js";
export type { RestSchemas } from "./rest.js";
export type { paths as RestPaths, components as RestComponents } from "../generated/openapi.js";
export { useMediaSrc } from "./useMediaSrc.js";
export type { MediaSrc } from "./useMediaSrc.js";
export { describeEvent, truncate, EVENT_LABEL, EVENT_CATEGORY } from "./describe.js";
export type { EventSummary, EventCategory, DescribeOptions } from "./describe.js";
export { RecentIds, rememberId } from "./dedupe.js";
export { formatTime, formatAgo } from "./format.js";

export { EVENT_NAMES } from "../generated/events.js";
export type * from "../generated/events.js";
