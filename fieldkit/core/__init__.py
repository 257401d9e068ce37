"""What every feature shares: users and projects, access checks, audit log, jobs, mail."""
