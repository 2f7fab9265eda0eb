"""jixiao application layer: the shared ``KnowledgeBase`` core and its front ends."""
