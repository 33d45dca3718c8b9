"""Domain rules of woo: pure functions and value objects, no I/O beyond reading schemas/."""
