"""Review tasks: what a person must judge, the rules that open them, service levels and decisions."""
