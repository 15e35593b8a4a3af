// The ARI event types Asterisk keeps off the service's socket (decision 94): types no
// handler reads, sent by the dozen per call (ChannelVarset per dialplan variable,
// ChannelDialplan per step, bridge comings and goings), each a frame read, parsed, queued
// on the channel's lane and passed to every capability to be ignored.
//
// A disallow list, not an allow list: an event type Asterisk adds, or a handler someone
// writes for a type not named here, still arrives. A consumer that starts reading one of
// these types removes it here, or it never arrives.
//
// Kept on purpose although no handler names them: any event carrying a `channel` can show
// an agent's leg answered (acd/runtime.ts reads `channel.state` of every event of a leg it
// follows, for when ChannelStateChange went by before it followed), and ChannelEnteredBridge
// is the one that comes right after an answer; so it stays, as do the rare ChannelHold,
// ChannelUnhold, ChannelUserevent, ChannelTalking*, Dial (routed by ari/routing.ts).
export const ARI_DISALLOWED_EVENTS: readonly string[] = [
  // Every Set() and every variable Asterisk sets on a channel: nothing reads them over ARI.
  'ChannelVarset',
  // Every dialplan step before Stasis().
  'ChannelDialplan',
  // Caller id and connected line updates: nothing reads them (the calls keep StasisStart's).
  'ChannelCallerId',
  'ChannelConnectedLine',
  // A leg leaving a bridge comes just before its hang-up events, which are read.
  'ChannelLeftBridge',
  // Bridges are made and torn down by the service itself; nothing reads these.
  'BridgeCreated',
  'BridgeDestroyed',
  'BridgeMerged',
];
