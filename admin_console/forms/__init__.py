"""Console forms: ModelForms scoped to the signed-in user's instance."""
