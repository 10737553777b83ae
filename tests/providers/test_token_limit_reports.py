"""Harness reports of a token limit (aider's "has hit a token limit!") and context errors, classified with counts."""

from __future__ import annotations

from agentspec.providers.classify import failure_kind, token_limit

# aider 0.86's report after a reply that filled a small model's context (counts are its approximations).
INPUT_REPORT = """
Model openai/smollm2 has hit a token limit!
Token counts below are approximate.

Input tokens: ~8,012 of 8,192 -- possibly exhausted context window!
Output tokens: ~180 of 4,096
Total tokens: ~8,192 of 8,192 -- possibly exhausted context window!

To reduce input tokens:
- Use /tokens to see token usage.
- Use /drop to remove unneeded files from the chat session.
"""
OUTPUT_REPORT = """
Model openai/smollm2 has hit a token limit!
Token counts below are approximate.

Input tokens: ~1,200 of 8,192
Output tokens: ~4,096 of 4,096 -- possibly exceeded output limit!
Total tokens: ~5,296 of 8,192

To reduce output tokens:
- Ask for smaller changes in each request.
"""


def test_a_full_context_is_context_exceeded_with_its_counts() -> None:
    kind, counts = token_limit("Applied edit to a.py\n" + INPUT_REPORT) or ("", {})
    assert kind == "context_exceeded"
    assert counts == {
        "input_tokens": 8012,
        "max_input_tokens": 8192,
        "output_tokens": 180,
        "max_output_tokens": 4096,
        "total_tokens": 8192,
        "max_total_tokens": 8192,
    }


def test_a_reply_at_the_output_limit_is_output_truncated() -> None:
    kind, counts = token_limit(OUTPUT_REPORT) or ("", {})
    assert kind == "output_truncated" and counts["output_tokens"] == counts["max_output_tokens"] == 4096


def test_no_report_no_classification() -> None:
    assert token_limit("Tokens: 2.1k sent, 508 received.\nApplied edit to a.py") is None


def test_litellm_context_window_errors_are_context_exceeded() -> None:
    message = "litellm.ContextWindowExceededError: litellm.BadRequestError: OpenAIException - request too big"
    assert failure_kind(message, 400) == "context_exceeded"
    exceeded = "exceed_context_size_error: request (912 tokens) exceeds the available context size (768 tokens)"
    assert failure_kind(exceeded, 400) == "context_exceeded"
