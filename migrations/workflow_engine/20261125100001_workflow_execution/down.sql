DROP TABLE workflow_execution;
