import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { PoolscaleProps } from '../../infra/Poolscale';
import { PoolscaleStack } from '../../infra/PoolscaleStack';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** The feature flags of cdk.json, so tests synthesize what `cdk synth` synthesizes. */
export const CDK_JSON_CONTEXT = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

/** Stand-in entry files: the template tests only need handlers to exist, not to build. */
export const FIXTURE_FUNCTIONS_DIR = path.resolve(import.meta.dirname, 'fixtures', 'functions');

/**
 * A PoolscaleStack whose functions are not bundled (the `aws:cdk:bundling-stacks` context set
 * to no stack), which keeps template tests fast. One test bundles for real (bundle.test.ts).
 */
export function buildStack(props: PoolscaleProps = {}, appContext: Record<string, unknown> = {}): {
  app: App;
  stack: PoolscaleStack;
  template: Template;
} {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...appContext } });
  const stack = new PoolscaleStack(app, 'Poolscale', {
    poolscale: { functionsDir: FIXTURE_FUNCTIONS_DIR, ...props },
  });
  const template = Template.fromStack(stack);
  // The template is in memory now; the synthesized assembly is only a temporary directory.
  rmSync(app.outdir, { recursive: true, force: true });
  return { app, stack, template };
}

/** Logical id of a construct's CloudFormation resource, to follow Refs in the template. */
export function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every IAM statement attached to a role (its inline `AWS::IAM::Policy` resources). */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) =>
      (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleLogicalId),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

export const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

export const resourcesOf = (statement: Statement): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
