"""The catalog (DynamoDB, one table): recordings and their event history."""
