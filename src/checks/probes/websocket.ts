import type {NetIo} from '../../io/types.js'
import type {WebSocketObservation, WebSocketProbe} from './types.js'

/** A WebSocket upgrade from this process (the client layer, through the gateway). */
export function runWebSocketNative(probe: WebSocketProbe, io: NetIo, timeoutMs: number): Promise<WebSocketObservation> {
  return io.websocket(probe, timeoutMs)
}
