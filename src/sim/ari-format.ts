// World snapshots rendered as ARI JSON, with Asterisk's key order (JSON.stringify keeps
// insertion order, so building the objects in the captured order is the whole trick).
import type { BridgeSnapshot, ChannelSnapshot, LiveRecordingSnapshot, PlaybackSnapshot, WorldEvent } from './world-types.js';

/** `2026-11-22T21:51:57.430+0000`: milliseconds and an offset without a colon, like Asterisk. */
export function ariTimestamp(d: Date): string {
  return d.toISOString().replace('Z', '+0000');
}

export function ariChannel(c: ChannelSnapshot): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    state: c.state,
    protocol_id: '',
    caller: { name: c.caller.name, number: c.caller.number },
    connected: { name: c.connected.name, number: c.connected.number },
    accountcode: c.accountcode,
    dialplan: {
      context: c.dialplan.context,
      exten: c.dialplan.exten,
      priority: c.dialplan.priority,
      app_name: c.dialplan.appName,
      app_data: c.dialplan.appData,
    },
    creationtime: ariTimestamp(c.creationtime),
    language: c.language,
  };
}

export function ariBridge(b: BridgeSnapshot): Record<string, unknown> {
  return {
    id: b.id,
    technology: b.technology,
    bridge_type: b.type,
    bridge_class: b.bridgeClass,
    creator: b.creator,
    name: b.name,
    channels: [...b.channelIds],
    creationtime: ariTimestamp(b.creationtime),
    video_mode: b.videoMode,
  };
}

export function ariPlayback(p: PlaybackSnapshot): Record<string, unknown> {
  const out: Record<string, unknown> = { id: p.id, media_uri: p.mediaUri };
  if (p.nextMediaUri !== undefined) out['next_media_uri'] = p.nextMediaUri;
  return { ...out, target_uri: p.targetUri, language: p.language, state: p.state };
}

export function ariLiveRecording(r: LiveRecordingSnapshot): Record<string, unknown> {
  const out: Record<string, unknown> = { name: r.name, format: r.format, state: r.state, target_uri: r.targetUri };
  if (r.durationSeconds !== undefined && r.state === 'done') out['duration'] = r.durationSeconds;
  if (r.cause !== undefined) out['cause'] = r.cause;
  return out;
}

/**
 * One world event as the ARI message body (without asterisk_id/application, which the
 * socket adds), or undefined when ARI publishes nothing for it under subscribeAll=false.
 */
export function ariEventBody(e: WorldEvent): Record<string, unknown> | undefined {
  const ts = ariTimestamp(e.at);
  switch (e.type) {
    case 'StasisStarted': {
      const body: Record<string, unknown> = { type: 'StasisStart', timestamp: ts, args: [...e.args], channel: ariChannel(e.channel) };
      if (e.replaceChannel) body['replace_channel'] = ariChannel(e.replaceChannel);
      return body;
    }
    case 'StasisEnded':
      return { type: 'StasisEnd', timestamp: ts, channel: ariChannel(e.channel) };
    case 'ChannelCreated':
      // Sent with no app of its own (channels are subscribed after they exist): it reaches
      // only the apps subscribed to the channel's endpoint.
      return { type: 'ChannelCreated', timestamp: ts, channel: ariChannel(e.channel) };
    case 'ChannelStateChanged':
      return { type: 'ChannelStateChange', timestamp: ts, channel: ariChannel(e.channel) };
    case 'ChannelVarSet':
      return { variable: e.variable, value: e.value, type: 'ChannelVarset', timestamp: ts, channel: ariChannel(e.channel) };
    case 'ChannelDialplan':
      return { type: 'ChannelDialplan', timestamp: ts, dialplan_app: e.app, dialplan_app_data: e.appData, channel: ariChannel(e.channel) };
    case 'ChannelCallerId':
      return {
        type: 'ChannelCallerId',
        timestamp: ts,
        caller_presentation: 0,
        caller_presentation_txt: 'Presentation Allowed, Not Screened',
        channel: ariChannel(e.channel),
      };
    case 'ChannelConnectedLine':
      return { type: 'ChannelConnectedLine', timestamp: ts, channel: ariChannel(e.channel) };
    case 'DialBegin':
      return dial(ts, '', e.dialString, e.peer, e.caller);
    case 'DialState':
      return dial(ts, e.status, e.dialString, e.peer, e.caller);
    case 'DialEnd':
      return dial(ts, e.status, e.dialString, e.peer, e.caller);
    case 'BridgeEntered':
      return { type: 'ChannelEnteredBridge', timestamp: ts, bridge: ariBridge(e.bridge), channel: ariChannel(e.channel) };
    case 'BridgeLeft':
      return { type: 'ChannelLeftBridge', timestamp: ts, bridge: ariBridge(e.bridge), channel: ariChannel(e.channel) };
    case 'BridgeDestroyed':
      return { type: 'BridgeDestroyed', timestamp: ts, bridge: ariBridge(e.bridge) };
    case 'DtmfEnd':
      if (e.direction !== 'Received') return undefined;
      return { type: 'ChannelDtmfReceived', timestamp: ts, digit: e.digit, duration_ms: e.durationMs, channel: ariChannel(e.channel) };
    case 'HangupRequested': {
      const body: Record<string, unknown> = { cause: e.cause };
      if (e.soft) body['soft'] = true;
      return { ...body, type: 'ChannelHangupRequest', timestamp: ts, channel: ariChannel(e.channel) };
    }
    case 'ChannelHungUp':
      return { type: 'ChannelDestroyed', timestamp: ts, cause: e.cause, cause_txt: e.causeTxt, channel: ariChannel(e.channel) };
    case 'ChannelHold': {
      const body: Record<string, unknown> = { type: 'ChannelHold', timestamp: ts, channel: ariChannel(e.channel) };
      if (e.musicclass) body['musicclass'] = e.musicclass;
      return body;
    }
    case 'ChannelUnhold':
      return { type: 'ChannelUnhold', timestamp: ts, channel: ariChannel(e.channel) };
    case 'PlaybackStarted':
      return { type: 'PlaybackStarted', timestamp: ts, playback: ariPlayback(e.playback) };
    case 'PlaybackContinuing':
      return { type: 'PlaybackContinuing', timestamp: ts, playback: ariPlayback(e.playback) };
    case 'PlaybackFinished':
      return { type: 'PlaybackFinished', timestamp: ts, playback: ariPlayback(e.playback) };
    case 'RecordingStarted':
      return { type: 'RecordingStarted', timestamp: ts, recording: ariLiveRecording(e.recording) };
    case 'RecordingFinished':
      return { type: 'RecordingFinished', timestamp: ts, recording: ariLiveRecording(e.recording) };
    case 'RecordingFailed':
      return { type: 'RecordingFailed', timestamp: ts, recording: ariLiveRecording(e.recording) };
    case 'UserEvent': {
      const body: Record<string, unknown> = {
        type: 'ChannelUserevent',
        timestamp: ts,
        eventname: e.eventName,
        userevent: { ...e.variables, eventname: e.eventName },
      };
      if (e.channel) body['channel'] = ariChannel(e.channel);
      return body;
    }
    case 'EndpointStateChanged':
      return {
        type: 'EndpointStateChange',
        timestamp: ts,
        endpoint: { technology: e.endpoint.technology, resource: e.endpoint.resource, state: e.endpoint.state, channel_ids: e.endpoint.channelIds },
      };
    case 'ChannelTransferRequested': {
      const referredBy: Record<string, unknown> = { source_channel: ariChannel(e.source) };
      if (e.connected) referredBy['connected_channel'] = ariChannel(e.connected);
      if (e.bridge) referredBy['bridge'] = ariBridge(e.bridge);
      const body: Record<string, unknown> = {
        type: 'ChannelTransfer',
        timestamp: ts,
        refer_to: referTo(e),
        referred_by: referredBy,
      };
      if (e.state) body['state'] = e.state;
      return body;
    }
    case 'BlindTransferDone': {
      const body: Record<string, unknown> = {
        type: 'BridgeBlindTransfer',
        timestamp: ts,
        channel: ariChannel(e.transferer),
        exten: e.exten,
        context: e.context,
        result: 'Success',
        is_external: true,
        replace_channel: ariChannel(e.replacement),
        bridge: ariBridge(e.bridge),
      };
      if (e.transferee) body['transferee'] = ariChannel(e.transferee);
      return body;
    }
    case 'AttendedTransferDone': {
      const body: Record<string, unknown> = {
        type: 'BridgeAttendedTransfer',
        timestamp: ts,
        result: 'Success',
        is_external: true,
        destination_type: 'bridge',
        destination_bridge: e.bridge.id,
        transferer_first_leg: ariChannel(e.firstLeg),
        transferer_second_leg: ariChannel(e.secondLeg),
        transfer_target: ariChannel(e.target),
        transferer_first_leg_bridge: ariBridge(e.bridge),
      };
      if (e.transferee) body['transferee'] = ariChannel(e.transferee);
      return body;
    }
    default:
      return undefined;
  }
}

function dial(ts: string, status: string, dialstring: string, peer: ChannelSnapshot, caller?: ChannelSnapshot): Record<string, unknown> {
  const body: Record<string, unknown> = { type: 'Dial', timestamp: ts, dialstatus: status, forward: '', dialstring };
  if (caller) body['caller'] = ariChannel(caller);
  body['peer'] = ariChannel(peer);
  return body;
}

/** The message text one socket receives. */
export function ariMessage(body: Record<string, unknown>, asteriskId: string, app: string): string {
  return JSON.stringify({ ...body, asterisk_id: asteriskId, application: app });
}

/**
 * ChannelTransfer's `refer_to`. A blind REFER names what the phone keyed in (capture
 * refer-ari-only); one with Replaces names the dialog to replace by its SIP Call-ID, and
 * Asterisk adds the channel of that dialog and whom it talks to (the ARI model's
 * destination_channel / connected_channel; not captured).
 */
function referTo(e: Extract<WorldEvent, { type: 'ChannelTransferRequested' }>): Record<string, unknown> {
  if (!e.replaces) return { requested_destination: { destination: e.destination } };
  const out: Record<string, unknown> = {
    requested_destination: { protocol_id: e.replaces.protocolId },
    destination_channel: ariChannel(e.replaces.channel),
  };
  if (e.replaces.connected) out['connected_channel'] = ariChannel(e.replaces.connected);
  return out;
}
