import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'

/** What came back over the socket, with the body decoded as its content-encoding says. */
export interface SocketAnswer {
  status: number
  headers: IncomingHttpHeaders
  /** The body as it came over the wire. */
  raw: Buffer
  /** The body after undoing its content-encoding, as text. */
  body: string
}

const DECODERS: Record<string, (bytes: Buffer) => Buffer> = {
  gzip: gunzipSync,
  br: brotliDecompressSync,
  deflate: inflateSync
}

/** Starts `app` on a free port of the loopback and gives its origin. */
export async function listen (app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/** One request over a real socket with node:http, which rejects a malformed answer. */
export function send (origin: string, path: string, options: { method?: string, headers?: OutgoingHttpHeaders, body?: string | Buffer } = {}): Promise<SocketAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(origin + path, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => {
        const raw = Buffer.concat(chunks)
        const encoding = res.headers['content-encoding']
        const decode = encoding === undefined || encoding === 'identity' ? (bytes: Buffer) => bytes : DECODERS[encoding]
        try {
          resolve({ status: res.statusCode as number, headers: res.headers, raw, body: decode(raw).toString() })
        } catch (error) {
          reject(error)
        }
      })
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

/**
 * Sends only the head of a request that announces a body, and waits for the answer: it comes
 * only when the server answers before reading the body (a refused login).
 */
export function sendHeadOnly (origin: string, path: string, options: { method?: string, headers?: OutgoingHttpHeaders } = {}): Promise<SocketAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(origin + path, { method: options.method ?? 'POST', headers: options.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => {
        const raw = Buffer.concat(chunks)
        resolve({ status: res.statusCode as number, headers: res.headers, raw, body: raw.toString() })
        req.destroy()
      })
    })
    req.on('error', reject)
    req.flushHeaders()
  })
}
