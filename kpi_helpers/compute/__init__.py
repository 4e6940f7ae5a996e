"""Numbers from facts: KPIs at any grain, pacing, drivers, chains, findings."""
