//! Discovery: finds state machines and Lambda functions in a project's infrastructure files
//! (ASL, SAM/CloudFormation, Serverless Framework, CDK output, Terraform) and links each Task
//! state to the function it invokes.

pub mod model;
