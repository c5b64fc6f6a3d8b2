import type { McpServer } from '@modelcontextprotocol/server';
import type { ToolDefinition } from './tool';

/** Turns a thrown error into the text an agent reads (see describeToolError). */
export type ErrorDescriber = (err: unknown, tool: ToolDefinition) => string;

/**
 * The one place tools meet the MCP SDK. Results go out twice, as the spec asks: structuredContent (checked
 * against the outputSchema by clients) and the same JSON as text for clients that only read text. Every failure
 * becomes a tool error (isError) with actionable text, so the model can correct itself and the server lives on.
 */
export function registerTools(server: McpServer, tools: ToolDefinition[], describeError: ErrorDescriber): void {
  for (const tool of tools) {
    server.registerTool(tool.name, {
      title: tool.title,
      description: tool.description,
      inputSchema: tool.inputSchema,
      outputSchema: tool.outputSchema,
      annotations: { ...tool.annotations },
    }, async (args, ctx) => {
      try {
        const result = await tool.handler(args, { signal: ctx.mcpReq.signal }) as Record<string, unknown>;
        return { content: [{ type: 'text' as const, text: JSON.stringify(result) }], structuredContent: result };
      } catch (err) {
        return { content: [{ type: 'text' as const, text: describeError(err, tool) }], isError: true };
      }
    });
  }
}
