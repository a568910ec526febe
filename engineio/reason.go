package engineio

// CloseReason says why a connection closed. The values match the reasons
// of the reference (Node.js) server where one exists.
type CloseReason string

// The reasons a connection closes.
const (
	// ReasonTransportClose: the client closed the connection, sent a close
	// packet, or the network connection ended.
	ReasonTransportClose CloseReason = "transport close"
	// ReasonTransportError: a protocol violation or a failed write.
	ReasonTransportError CloseReason = "transport error"
	// ReasonPingTimeout: no pong arrived within PingTimeout of a ping.
	ReasonPingTimeout CloseReason = "ping timeout"
	// ReasonForcedClose: the application closed the connection.
	ReasonForcedClose CloseReason = "forced close"
	// ReasonServerShutdown: the server is shutting down.
	ReasonServerShutdown CloseReason = "server shutting down"
	// ReasonSlowConsumer: the client did not read fast enough and its
	// queue reached MaxBufferedBytes.
	ReasonSlowConsumer CloseReason = "slow consumer"
	// ReasonParseError: the application could not parse what the client
	// sent (used by protocols on top, such as Socket.IO).
	ReasonParseError CloseReason = "parse error"
)
