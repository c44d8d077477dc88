import { ECSClient, type ECSClientConfig } from '@aws-sdk/client-ecs';

/** Returns the ECS client of a region (undefined: the default region of the environment). */
export type EcsClientFactory = (region?: string) => ECSClient;

/**
 * One cached ECSClient per region. No endpoint is set here on purpose: the SDK then honours
 * AWS_ENDPOINT_URL_ECS / AWS_ENDPOINT_URL by itself.
 */
export function createEcsClientFactory(config: ECSClientConfig = {}): EcsClientFactory {
  const clients = new Map<string, ECSClient>();
  return (region) => {
    const key = region ?? '';
    let client = clients.get(key);
    if (!client) {
      client = new ECSClient({ ...config, ...(region ? { region } : {}) });
      clients.set(key, client);
    }
    return client;
  };
}
