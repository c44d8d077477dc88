import { CloudWatchClient, type CloudWatchClientConfig } from '@aws-sdk/client-cloudwatch';

/** Returns the CloudWatch client of a region (undefined: the default region of the environment). */
export type CloudWatchClientFactory = (region?: string) => CloudWatchClient;

/**
 * One cached CloudWatchClient per region. No endpoint is set here on purpose: the SDK then
 * honours AWS_ENDPOINT_URL_CLOUDWATCH / AWS_ENDPOINT_URL by itself.
 */
export function createCloudWatchClientFactory(config: CloudWatchClientConfig = {}): CloudWatchClientFactory {
  const clients = new Map<string, CloudWatchClient>();
  return (region) => {
    const key = region ?? '';
    let client = clients.get(key);
    if (!client) {
      client = new CloudWatchClient({ ...config, ...(region ? { region } : {}) });
      clients.set(key, client);
    }
    return client;
  };
}
