"""What the companions remember about the user: a page to see, correct and erase it."""
