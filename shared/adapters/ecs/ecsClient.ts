import { ECSClient, type ECSClientConfig } from '@aws-sdk/client-ecs';

/** Returns the ECS client of a region (undefined: the default region of the environment). */
export type EcsClientFactory = (region?: string) => ECSClient;

/**
 * The one retry layer of ECS calls: the SDK's own, in adaptive mode (3 attempts in all, and a
 * client-side rate limiter that slows down after throttling), because UpdateService,
 * UpdateTaskProtection and DescribeServices share low account-wide rate limits. Nothing in
 * poolscale retries ECS calls on top of this.
 */
export const ECS_RETRY: Pick<ECSClientConfig, 'maxAttempts' | 'retryMode'> = { maxAttempts: 3, retryMode: 'adaptive' };

/**
 * One cached ECSClient per region. No endpoint is set here on purpose: the SDK then honours
 * AWS_ENDPOINT_URL_ECS / AWS_ENDPOINT_URL by itself. `config` may override the retry settings.
 */
export function createEcsClientFactory(config: ECSClientConfig = {}): EcsClientFactory {
  const clients = new Map<string, ECSClient>();
  return (region) => {
    const key = region ?? '';
    let client = clients.get(key);
    if (!client) {
      client = new ECSClient({ ...ECS_RETRY, ...config, ...(region ? { region } : {}) });
      clients.set(key, client);
    }
    return client;
  };
}
