"""Tests for the accounts package."""
