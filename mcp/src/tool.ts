import type { z } from 'zod';

/**
 * All four hints, always set: the spec's defaults for a missing hint are the pessimistic ones (not read-only,
 * destructive, open world), and clients may gate confirmation prompts on them.
 */
export interface ToolHints {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  /** false: every tool talks to one CarbonPlan API, a closed domain (spec: true is for open sets like web search). */
  openWorldHint: boolean;
}

export interface ToolContext {
  /** Aborted when the client cancels the call or disconnects. */
  signal: AbortSignal;
}

type ObjectSchema = z.ZodObject<any, any>;

/**
 * One tool, independent of the MCP SDK: registerTools() turns it into an MCP tool. The handler returns the
 * structured result (validated against outputSchema) or throws; a throw becomes a tool error, never a crash.
 */
export interface ToolDefinition<I extends ObjectSchema = ObjectSchema, O extends ObjectSchema = ObjectSchema> {
  name: string;
  title: string;
  /** What an agent needs to pick the tool and use its answer: purpose first, then when, then related tools. */
  description: string;
  inputSchema: I;
  outputSchema: O;
  annotations: ToolHints;
  /** Needs CARBONPLAN_API_KEY (an organization API key); the public tools work without one. */
  isAuthenticated: boolean;
  handler: (args: z.output<I>, ctx: ToolContext) => Promise<z.input<O>>;
}

/** Keeps one tool's input and output types together (the registry holds them as plain ToolDefinition). */
export function defineTool<I extends ObjectSchema, O extends ObjectSchema>(tool: ToolDefinition<I, O>): ToolDefinition {
  return tool as unknown as ToolDefinition;
}

/** The hints of a tool that only reads. */
export const READ_ONLY: ToolHints = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
