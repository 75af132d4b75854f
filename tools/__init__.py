"""The maintainers' tools (website, measuring, test plugin): not installed, not for learners."""
