import { readFileSync } from 'node:fs';
import { logVerbosity, Server, ServerCredentials, setLogVerbosity, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { checkEndpointAddress, formatHostPort, ShadowtwinError } from '../../common/index.js';

export interface GrpcServerOptions {
  /** host:port (default 127.0.0.1:0). */
  listen?: string;
  /** The flag that set it, for messages (default --grpc). */
  setting?: string;
  /** Required off loopback (each service checks it per call). */
  token?: string;
  tokenHint?: string;
  tls?: { certFile: string; keyFile: string };
  /** Largest message accepted; larger ones are refused (RESOURCE_EXHAUSTED) before they are buffered (default 4 MiB). */
  maxMessageBytes?: number;
  services: Array<{ definition: ServiceDefinition; implementation: UntypedServiceImplementation; closeStreams?(): void }>;
}

export interface GrpcServer {
  address: string;
  port: number;
  close(): Promise<void>;
}

/** One gRPC server for the controller's services on one port: loopback unless a token, optional TLS, bounded messages. */
export async function startGrpcServer(o: GrpcServerOptions): Promise<GrpcServer> {
  const listen = o.listen ?? '127.0.0.1:0';
  const setting = o.setting ?? '--grpc';
  const hp = checkEndpointAddress({ setting, listen, token: o.token, tokenHint: o.tokenHint ?? '--token or --token-file' });
  // grpc-js prints its own raw lines ("E No address added out of total 1 resolved") next to our error: ours say it with the fix.
  if (process.env.GRPC_VERBOSITY === undefined) setLogVerbosity(logVerbosity.NONE);
  const server = new Server({
    'grpc.max_receive_message_length': o.maxMessageBytes ?? 4 * 1024 * 1024,
    'grpc.max_send_message_length': 16 * 1024 * 1024,
  });
  for (const s of o.services) server.addService(s.definition, s.implementation);
  let creds: ServerCredentials;
  try {
    creds = o.tls
      ? ServerCredentials.createSsl(null, [{ cert_chain: readFileSync(o.tls.certFile), private_key: readFileSync(o.tls.keyFile) }], false)
      : ServerCredentials.createInsecure();
  } catch (cause) {
    throw new ShadowtwinError('ST_ERR_CONFIG_FILE_UNREADABLE', `the TLS certificate or key cannot be read: ${(cause as Error).message}`, { cause });
  }
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(formatHostPort(hp), creds, (err, bound) => {
      if (err && o.tls && /PEM|certificate|private key|SSL|X509/i.test(err.message)) {
        reject(new ShadowtwinError('ST_ERR_CONFIG_INVALID', `the TLS certificate (--tls-cert ${o.tls.certFile}) or key (--tls-key ${o.tls.keyFile}) is not usable: ${err.message}; give PEM files of a certificate chain and its private key`, { cause: err }));
      } else if (err) reject(new ShadowtwinError('ST_ERR_LISTEN_FAILED', `${setting} ${listen}: cannot listen (${err.message}); choose a free port on a local address`, { cause: err }));
      else resolve(bound);
    });
  });
  return {
    address: formatHostPort({ host: hp.host, port }),
    port,
    close: () => new Promise<void>((resolve) => {
      for (const s of o.services) s.closeStreams?.();
      server.tryShutdown(() => resolve());
      // Streams that do not end on their own (a hung commit) must not hold the shutdown.
      setTimeout(() => server.forceShutdown(), 1000).unref();
    }),
  };
}
