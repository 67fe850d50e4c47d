import type {NetIo} from '../../model/ports.js'
import type {WebSocketObservation, WebSocketProbe} from '../../model/probes.js'

/** A WebSocket upgrade from this process (the client layer, through the gateway). */
export function runWebSocketNative(probe: WebSocketProbe, io: NetIo, timeoutMs: number): Promise<WebSocketObservation> {
  return io.websocket(probe, timeoutMs)
}
