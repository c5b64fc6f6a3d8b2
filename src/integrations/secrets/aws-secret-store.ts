import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { assertValidRef, assertValidValue, SecretNotFoundError, type SecretStore, type SecretTags } from './secret-store';

export interface AwsSecretStoreOptions {
  region: string;
  /** Only for emulators (moto in tests); production uses the regional endpoint. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  client?: SecretsManagerClient;
}

const errorName = (error: unknown): string | undefined => (error as { name?: string } | null)?.name;
const isNotFound = (error: unknown) => errorName(error) === 'ResourceNotFoundException';
// The real service answers InvalidRequestException for a secret pending deletion; moto answers
// ResourceExistsException on create. Both mean "the name is taken by a deleted secret" in the paths below.
const isInvalidRequest = (error: unknown) => errorName(error) === 'InvalidRequestException';

const toTags = (tags: SecretTags) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

export class AwsSecretStore implements SecretStore {
  private readonly client: SecretsManagerClient;

  constructor(options: AwsSecretStoreOptions) {
    this.client = options.client ?? new SecretsManagerClient({ region: options.region, endpoint: options.endpoint, credentials: options.credentials });
  }

  async put(ref: string, value: string, tags: SecretTags): Promise<string> {
    assertValidRef(ref);
    assertValidValue(value);
    try {
      await this.client.send(new CreateSecretCommand({ Name: ref, SecretString: value, Tags: toTags(tags) }));
      return ref;
    } catch (error) {
      if (errorName(error) !== 'ResourceExistsException' && !isInvalidRequest(error)) throw error;
    }
    // The name exists, possibly pending deletion (a reconnect after a delete with a recovery window).
    const described = await this.client.send(new DescribeSecretCommand({ SecretId: ref }));
    if (described.DeletedDate) await this.client.send(new RestoreSecretCommand({ SecretId: ref }));
    await this.client.send(new PutSecretValueCommand({ SecretId: ref, SecretString: value }));
    await this.client.send(new TagResourceCommand({ SecretId: ref, Tags: toTags(tags) }));
    return ref;
  }

  async replace(ref: string, value: string): Promise<void> {
    assertValidRef(ref);
    assertValidValue(value);
    try {
      await this.client.send(new PutSecretValueCommand({ SecretId: ref, SecretString: value }));
    } catch (error) {
      if (isNotFound(error) || isInvalidRequest(error)) throw new SecretNotFoundError(ref);
      throw error;
    }
  }

  async get(ref: string): Promise<string> {
    assertValidRef(ref);
    try {
      const result = await this.client.send(new GetSecretValueCommand({ SecretId: ref }));
      if (result.SecretString === undefined) throw new Error(`secret ${ref} holds binary data, expected a string`);
      return result.SecretString;
    } catch (error) {
      // A secret pending deletion cannot be read (InvalidRequestException): for us it is gone.
      if (isNotFound(error) || isInvalidRequest(error)) throw new SecretNotFoundError(ref);
      throw error;
    }
  }

  async delete(ref: string): Promise<void> {
    assertValidRef(ref);
    const force = () => this.client.send(new DeleteSecretCommand({ SecretId: ref, ForceDeleteWithoutRecovery: true }));
    try {
      await force();
    } catch (error) {
      if (isNotFound(error)) return;
      if (!isInvalidRequest(error)) throw error;
      // Already scheduled for deletion with a recovery window: restore, then delete for good so the name frees up.
      await this.client.send(new RestoreSecretCommand({ SecretId: ref }));
      await force();
    }
  }
}
