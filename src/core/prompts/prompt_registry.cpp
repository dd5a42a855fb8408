#include <mcp/impl/prompts/prompt_registry.ipp>
