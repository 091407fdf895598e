"""Teaching: explanations, node names, the lesson, diagrams and the stepper."""
