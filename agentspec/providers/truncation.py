"""Silent prompt truncation: a server that drops the start of an over-long prompt and answers 200 anyway.

Ollama does this by default (its `truncate`/`shift` request options default to true): a prompt longer than
the context it loaded the model with is cut, often to half the window, and the reply says nothing but a
`prompt_eval_count` below what was sent. The model then works without its system prompt, its tools or
the task. Two signs, both read from the reply's own count:

- the conversation grew (the request repeats the previous one and adds to it) but the prompt got shorter;
- the request's text is far longer than the prompt the server says it evaluated (more than
  `CHARS_PER_TOKEN_MAX` characters per token, which no tokenizer reaches on real text).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from agentspec.providers.base import Message, ToolSpec

CHARS_PER_TOKEN_MAX = 8  # tokenizers average 3 to 5 characters per token on code and prose


def request_chars(messages: Sequence[Message], tools: Sequence[ToolSpec]) -> int:
    """The characters of what a request asks the model to read: texts, tool calls and tool schemas."""
    size = sum(len(m.content) + sum(len(c.raw_arguments) + len(c.name) for c in m.tool_calls) for m in messages)
    return size + sum(len(t.name) + len(t.description) + len(json.dumps(t.parameters)) for t in tools)


@dataclass
class PromptWatch:
    """Follows one conversation's prompt sizes, as the server reports them, to catch a silent truncation."""

    messages: tuple[Message, ...] = ()
    prompt_tokens: int = 0

    def check(self, messages: Sequence[Message], tools: Sequence[ToolSpec], prompt_tokens: int) -> str | None:
        """What shows the server truncated this request's prompt (None when nothing does); then remember it.

        Args:
            messages: The request's conversation.
            tools: The tools it offered.
            prompt_tokens: The prompt tokens the server says it evaluated (cached ones included); 0 means
                it did not say, and nothing is concluded.
        """
        sent = tuple(messages)
        grew = bool(self.messages) and len(sent) > len(self.messages) and sent[: len(self.messages)] == self.messages
        previous = self.prompt_tokens
        self.messages, self.prompt_tokens = sent, prompt_tokens
        if prompt_tokens <= 0:
            return None
        if grew and prompt_tokens < previous:
            return (
                f"the server evaluated {prompt_tokens} prompt tokens, fewer than the {previous} of the previous "
                "request although the conversation only grew: it dropped the start of the prompt"
            )
        chars = request_chars(messages, tools)
        if chars > prompt_tokens * CHARS_PER_TOKEN_MAX:
            return (
                f"the server evaluated {prompt_tokens} prompt tokens of a request of {chars} characters "
                f"(at least {chars // CHARS_PER_TOKEN_MAX} tokens): it dropped the start of the prompt"
            )
        return None
