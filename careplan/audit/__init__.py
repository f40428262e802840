"""What an auditor needs beyond reading: proof that the stored history was not altered."""
