import { CloudWatchClient, type CloudWatchClientConfig } from '@aws-sdk/client-cloudwatch';

/** Returns the CloudWatch client of a region (undefined: the default region of the environment). */
export type CloudWatchClientFactory = (region?: string) => CloudWatchClient;

/**
 * The one retry layer of GetMetricData: the SDK's, in adaptive mode (3 attempts in all, and a
 * client-side rate limiter after throttling; GetMetricData is limited per account and region).
 */
export const CLOUDWATCH_RETRY: Pick<CloudWatchClientConfig, 'maxAttempts' | 'retryMode'> = { maxAttempts: 3, retryMode: 'adaptive' };

/**
 * One cached CloudWatchClient per region. No endpoint is set here on purpose: the SDK then
 * honours AWS_ENDPOINT_URL_CLOUDWATCH / AWS_ENDPOINT_URL by itself. `config` may override the
 * retry settings.
 */
export function createCloudWatchClientFactory(config: CloudWatchClientConfig = {}): CloudWatchClientFactory {
  const clients = new Map<string, CloudWatchClient>();
  return (region) => {
    const key = region ?? '';
    let client = clients.get(key);
    if (!client) {
      client = new CloudWatchClient({ ...CLOUDWATCH_RETRY, ...config, ...(region ? { region } : {}) });
      clients.set(key, client);
    }
    return client;
  };
}
