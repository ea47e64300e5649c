"""Regenerates rules/*.json: hand-written facts (integration ARNs, IAM, error prefixes; aws-facts.md
sections 1-4) merged with parameter and result field names from the local botocore service models.
Run: python3 rules/generate.py (needs botocore)."""
import json, os, botocore.session
HERE = os.path.dirname(os.path.abspath(__file__))
s = botocore.session.get_session()
SRC = "aws-facts.md §1.2 (optimized resource ARNs), §1.3 (result shapes), §1.4 (JSON object parameters), §1.5 (DynamoDB), §2 (aws-sdk service tokens, error prefixes), §3.3 (optimized error prefixes), §4 (IAM); parameter and result field names from botocore 1.43.11 service models (aws-facts source BOTOCORE)"
def ops(boto_name):
    return s.get_service_model(boto_name)
def map_paths(shape, prefix="", stack=()):
    # Where a shape holds maps, as PascalCase member paths (`Overrides.ContainerOverrides[]`):
    # Step Functions PascalCases member names (aws-facts §2), never map keys.
    if shape is None or shape.name in stack or len(stack) > 8:
        return []
    stack = stack + (shape.name,)
    t = shape.type_name
    if t == "map":
        return [prefix]
    if t == "list":
        return map_paths(shape.member, prefix + "[]", stack)
    if t == "structure":
        out = []
        for m, ms in shape.members.items():
            name = m[:1].upper() + m[1:]
            out += map_paths(ms, f"{prefix}.{name}" if prefix else name, stack)
        return out
    return []
def op_info(model, action):
    op = model.operation_model(action)
    # Step Functions takes parameters in PascalCase even where the wire API is camelCase (aws-facts §2),
    # and aws-sdk results come back PascalCase (aws-facts §1.3).
    pas = lambda n: n[:1].upper() + n[1:]
    params = [pas(p) for p in op.input_shape.members.keys()] if op.input_shape else []
    res = [pas(p) for p in op.output_shape.members.keys()] if op.output_shape else []
    streaming = bool(op.has_event_stream_output) or (model.service_name, action) == ('s3', 'GetObject')
    return params, res, streaming, map_paths(op.input_shape), map_paths(op.output_shape)
services = [
 # key, title, aws_sdk token, aws_sdk prefix, optimized prefix, iam prefix, js v3 pkg, v2 class, boto3, extra source, ops
 ("dynamodb","Amazon DynamoDB","dynamodb","DynamoDb","DynamoDB","dynamodb","@aws-sdk/client-dynamodb","DynamoDB","dynamodb","", [
   ("GetItem","dynamodb:getItem",[],["Key"],True,"arn:aws:dynamodb:${Region}:${Account}:table/${TableName}",None),
   ("PutItem","dynamodb:putItem",[],["Item","ExpressionAttributeValues","Expected"],True,"arn:aws:dynamodb:${Region}:${Account}:table/${TableName}",None),
   ("UpdateItem","dynamodb:updateItem",[],["Key","ExpressionAttributeValues","AttributeUpdates","Expected"],True,"arn:aws:dynamodb:${Region}:${Account}:table/${TableName}",None),
   ("DeleteItem","dynamodb:deleteItem",[],["Key","ExpressionAttributeValues","Expected"],True,"arn:aws:dynamodb:${Region}:${Account}:table/${TableName}",None),
   ("Query",None,[],["ExclusiveStartKey","ExpressionAttributeValues","KeyConditions","QueryFilter"],False,"arn:aws:dynamodb:${Region}:${Account}:table/${TableName}",None),
   ("Scan",None,[],["ExclusiveStartKey","ExpressionAttributeValues","ScanFilter"],False,"arn:aws:dynamodb:${Region}:${Account}:table/${TableName}",None),
   ("BatchGetItem",None,[],["RequestItems"],False,"*",None),
   ("BatchWriteItem",None,[],["RequestItems"],False,"*",None),
   ("TransactGetItems",None,[],["TransactItems"],False,"*","IAM: dynamodb:GetItem on each table"),
   ("TransactWriteItems",None,[],["TransactItems"],False,"*","IAM: dynamodb:PutItem/UpdateItem/DeleteItem/ConditionCheckItem on each table"),
 ]),
 ("sqs","Amazon SQS","sqs","Sqs","SQS","sqs","@aws-sdk/client-sqs","SQS","sqs","", [
   ("SendMessage","sqs:sendMessage",["MessageBody"],[],True,"arn:aws:sqs:${Region}:${Account}:${QueueUrl#name}","MessageBody may be a JSON object; Step Functions serializes it (whitespace/key order not specified, aws-facts §1.4). KMS-encrypted queues also need kms:GenerateDataKey/kms:Decrypt (aws-facts §4)."),
   ("SendMessageBatch",None,[],[],False,"arn:aws:sqs:${Region}:${Account}:${QueueUrl#name}",None),
   ("DeleteMessage",None,[],[],False,"arn:aws:sqs:${Region}:${Account}:${QueueUrl#name}",None),
   ("ReceiveMessage",None,[],[],False,"arn:aws:sqs:${Region}:${Account}:${QueueUrl#name}",None),
   ("GetQueueAttributes",None,[],[],False,"arn:aws:sqs:${Region}:${Account}:${QueueUrl#name}",None),
   ("ChangeMessageVisibility",None,[],[],False,"arn:aws:sqs:${Region}:${Account}:${QueueUrl#name}",None),
 ]),
 ("sns","Amazon SNS","sns","Sns","SNS","sns","@aws-sdk/client-sns","SNS","sns","", [
   ("Publish","sns:publish",["Message"],[],True,"${TopicArn}","Message may be a JSON object (aws-facts §1.4). Resource is * when the topic comes from a path or TargetArn/PhoneNumber is used (aws-facts §4)."),
   ("PublishBatch",None,[],[],False,"${TopicArn}",None),
 ]),
 ("events","Amazon EventBridge","eventbridge","EventBridge","EventBridge","events","@aws-sdk/client-eventbridge","EventBridge","events","", [
   ("PutEvents","events:putEvents",["Entries[].Detail"],[],False,"arn:aws:events:${Region}:${Account}:event-bus/${Entries[0].EventBusName}","Only parameter Entries; Detail may be an object or a JSON string; Step Functions appends the state machine and execution ARNs to each entry's Resources and fails the task with EventBridge.FailedEntry when FailedEntryCount > 0 (aws-facts §1.3, §3.3). Dynamic bus: arn:aws:events:*:*:event-bus/* (aws-facts §4)."),
 ]),
 ("states","AWS Step Functions","sfn","Sfn","StepFunctions","states","@aws-sdk/client-sfn","StepFunctions","stepfunctions","", [
   ("StartExecution","states:startExecution",["Input"],[],True,"${StateMachineArn}","Also .sync (Output as a string) and .sync:2 (Output parsed) in Standard workflows (aws-facts §1.2, §1.3)."),
   ("StartSyncExecution",None,[],[],False,"${StateMachineArn}",None),
   ("SendTaskSuccess",None,[],[],False,"*",None),
   ("SendTaskFailure",None,[],[],False,"*",None),
   ("SendTaskHeartbeat",None,[],[],False,"*",None),
   ("DescribeExecution",None,[],[],False,"${ExecutionArn}",None),
   ("StopExecution",None,[],[],False,"${ExecutionArn}",None),
 ]),
 ("s3","Amazon S3","s3","S3",None,"s3","@aws-sdk/client-s3","S3","s3","", [
   ("GetObject",None,[],[],False,"arn:aws:s3:::${Bucket}/${Key}","The aws-sdk integration returns Body as a string (aws-facts §1.3); in the SDKs Body is a stream."),
   ("PutObject",None,["Body"],[],False,"arn:aws:s3:::${Bucket}/${Key}","A JSON object Body is stored compact (aws-facts §1.4)."),
   ("CopyObject",None,[],[],False,"arn:aws:s3:::${Bucket}/${Key}",None),
   ("DeleteObject",None,[],[],False,"arn:aws:s3:::${Bucket}/${Key}",None),
   ("HeadObject",None,[],[],False,"arn:aws:s3:::${Bucket}/${Key}",None),
   ("ListObjectsV2",None,[],[],False,"arn:aws:s3:::${Bucket}",None),
   ("SelectObjectContent",None,[],[],False,"arn:aws:s3:::${Bucket}/${Key}","Not supported by AWS SDK integrations (aws-facts §2)."),
 ]),
 ("lambda","AWS Lambda","lambda","Lambda","Lambda","lambda","@aws-sdk/client-lambda","Lambda","lambda","", [
   ("Invoke","lambda:invoke",["Payload"],[],True,"arn:aws:lambda:${Region}:${Account}:function:${FunctionName}","The optimized integration parses the function's JSON result into Payload and fails the task on FunctionError (aws-facts §1.3, §3.2)."),
   ("InvokeAsync",None,[],[],False,"arn:aws:lambda:${Region}:${Account}:function:${FunctionName}","Not supported by AWS SDK integrations (aws-facts §2)."),
 ]),
 ("glue","AWS Glue","glue","Glue",None,"glue","@aws-sdk/client-glue","Glue","glue","", [
   ("StartJobRun","glue:startJobRun",[],[],False,"arn:aws:glue:${Region}:${Account}:job/${JobName}","Also .sync (polls GetJobRun; aws-facts §1.2, §4)."),
   ("GetJobRun",None,[],[],False,"arn:aws:glue:${Region}:${Account}:job/${JobName}",None),
   ("StartCrawler",None,[],[],False,"arn:aws:glue:${Region}:${Account}:crawler/${Name}",None),
 ]),
 ("ecs","Amazon ECS","ecs","Ecs",None,"ecs","@aws-sdk/client-ecs","ECS","ecs","", [
   ("RunTask","ecs:runTask",[],[],True,"${TaskDefinition}","Also .sync and .waitForTaskToken; needs iam:PassRole for the task and execution roles (aws-facts §1.2, §4)."),
   ("StopTask",None,[],[],False,"*",None),
   ("DescribeTasks",None,[],[],False,"*",None),
 ]),
 ("batch","AWS Batch","batch","Batch",None,"batch","@aws-sdk/client-batch","Batch","batch","", [
   ("SubmitJob","batch:submitJob",[],[],False,"*","Also .sync (aws-facts §1.2, §4)."),
   ("DescribeJobs",None,[],[],False,"*",None),
   ("TerminateJob",None,[],[],False,"*",None),
 ]),
 ("athena","Amazon Athena","athena","Athena",None,"athena","@aws-sdk/client-athena","Athena","athena","", [
   ("StartQueryExecution","athena:startQueryExecution",[],[],False,"arn:aws:athena:${Region}:${Account}:workgroup/${WorkGroup}","Also .sync; needs the S3, Glue and Lake Formation permissions of aws-facts §4."),
   ("StopQueryExecution","athena:stopQueryExecution",[],[],False,"*",None),
   ("GetQueryExecution","athena:getQueryExecution",[],[],False,"*",None),
   ("GetQueryResults","athena:getQueryResults",[],[],False,"*",None),
 ]),
 ("codebuild","AWS CodeBuild","codebuild","CodeBuild",None,"codebuild","@aws-sdk/client-codebuild","CodeBuild","codebuild","", [
   ("StartBuild","codebuild:startBuild",[],[],False,"arn:aws:codebuild:${Region}:${Account}:project/${ProjectName}","Also .sync (aws-facts §1.2)."),
   ("StopBuild","codebuild:stopBuild",[],[],False,"*",None),
   ("BatchDeleteBuilds","codebuild:batchDeleteBuilds",[],[],False,"*",None),
   ("BatchGetReports","codebuild:batchGetReports",[],[],False,"*",None),
   ("StartBuildBatch","codebuild:startBuildBatch",[],[],False,"arn:aws:codebuild:${Region}:${Account}:project/${ProjectName}",None),
   ("StopBuildBatch","codebuild:stopBuildBatch",[],[],False,"*",None),
   ("RetryBuildBatch","codebuild:retryBuildBatch",[],[],False,"*",None),
   ("DeleteBuildBatch","codebuild:deleteBuildBatch",[],[],False,"*",None),
 ]),
 ("sesv2","Amazon SES v2","sesv2","SesV2",None,"ses","@aws-sdk/client-sesv2","SESV2","sesv2","", [
   ("SendEmail",None,[],[],False,"arn:aws:ses:${Region}:${Account}:identity/*",None),
 ]),
 ("secretsmanager","AWS Secrets Manager","secretsmanager","SecretsManager",None,"secretsmanager","@aws-sdk/client-secrets-manager","SecretsManager","secretsmanager","", [
   ("GetSecretValue",None,[],[],False,"${SecretId}",None),
   ("PutSecretValue",None,[],[],False,"${SecretId}",None),
   ("DescribeSecret",None,[],[],False,"${SecretId}",None),
   ("CreateSecret",None,[],[],False,"*",None),
 ]),
 ("ssm","AWS Systems Manager Parameter Store","ssm","Ssm",None,"ssm","@aws-sdk/client-ssm","SSM","ssm","", [
   ("GetParameter",None,[],[],False,"arn:aws:ssm:${Region}:${Account}:parameter/${Name}",None),
   ("GetParameters",None,[],[],False,"*",None),
   ("GetParametersByPath",None,[],[],False,"arn:aws:ssm:${Region}:${Account}:parameter${Path}",None),
   ("PutParameter",None,[],[],False,"arn:aws:ssm:${Region}:${Account}:parameter/${Name}",None),
 ]),
 ("bedrock-runtime","Amazon Bedrock Runtime","bedrockruntime","BedrockRuntime",None,"bedrock","@aws-sdk/client-bedrock-runtime","BedrockRuntime","bedrock-runtime","", [
   ("InvokeModel","bedrock:invokeModel",["Body"],[],False,"arn:aws:bedrock:${Region}::foundation-model/${ModelId}","Optimized integration takes Body as a JSON object (<= 256 KiB, else S3 Input) and returns the parsed model output (aws-facts §1.2)."),
   ("Converse",None,[],[],False,"arn:aws:bedrock:${Region}::foundation-model/${ModelId}",None),
   ("InvokeModelWithResponseStream",None,[],[],False,"arn:aws:bedrock:${Region}::foundation-model/${ModelId}","Streaming API: unsuitable for Step Functions (aws-facts §2)."),
 ]),
]
NOTES={
 "bedrock-runtime":"aws-sdk service token `bedrockruntime` and error prefix `BedrockRuntime` follow the Java v2 client-name rule of aws-facts §2 [I]; verify with TestState. The optimized integration's error prefix is not documented in aws-facts [?].",
 "codebuild":"Error prefix `CodeBuild` follows the PascalCase rule of aws-facts §2 [I]; the optimized integration's error prefix is not documented in aws-facts [?].",
 "glue":"The optimized integration's error prefix is not documented in aws-facts [?]; aws-sdk prefix `Glue` (aws-facts §2).",
 "ecs":"The optimized integration's error prefix is not documented in aws-facts [?]; aws-sdk prefix `Ecs` (aws-facts §2).",
 "batch":"The optimized integration's error prefix is not documented in aws-facts [?]; aws-sdk prefix `Batch` (aws-facts §2).",
 "athena":"The optimized integration's error prefix is not documented in aws-facts [?]; aws-sdk prefix `Athena` (aws-facts §2).",
 "sesv2":"IAM actions of SES v2 use the `ses` prefix.",
 "s3":"No optimized integration; aws-sdk only (aws-facts §1.1, §2).",
}
UNSUPPORTED = {("s3","SelectObjectContent"),("lambda","InvokeAsync"),("bedrock-runtime","InvokeModelWithResponseStream")}
for key,title,tok,pfx,optpfx,iam,pkg,v2,boto,extra,oplist in services:
    model = ops(boto)
    out_ops=[]
    for action,opt,jsonp,avp,meta,res,notes in oplist:
        params,result,streaming,request_maps,result_maps = op_info(model, action)
        iam_action = f"{iam}:{action}"
        if key=="bedrock-runtime" and action=="InvokeModelWithResponseStream": iam_action="bedrock:InvokeModelWithResponseStream"
        if key=="bedrock-runtime" and action=="Converse": iam_action="bedrock:InvokeModel"
        if key=="sqs" and action=="SendMessageBatch": iam_action="sqs:SendMessage"
        if key=="lambda" and action=="Invoke": iam_action="lambda:InvokeFunction"
        if key=="lambda" and action=="InvokeAsync": iam_action="lambda:InvokeAsync"
        if key=="states" and action in ("SendTaskSuccess","SendTaskFailure","SendTaskHeartbeat","StartSyncExecution"): pass
        if key=="dynamodb" and action=="TransactGetItems": iam_action="dynamodb:GetItem"
        if key=="dynamodb" and action=="TransactWriteItems": iam_action="dynamodb:PutItem"
        if key=="sns" and action=="PublishBatch": iam_action="sns:Publish"
        # S3 authorizes these calls with other actions (API reference, "Permissions" of
        # HeadObject, SelectObjectContent, ListObjectsV2, CopyObject).
        if key=="s3" and action in ("HeadObject","SelectObjectContent"): iam_action="s3:GetObject"
        if key=="s3" and action=="ListObjectsV2": iam_action="s3:ListBucket"
        if key=="ssm" and action=="GetParametersByPath": pass
        d={"action":action}
        if opt: d["optimized"]=opt
        d["parameters"]=params
        if jsonp: d["json_params"]=jsonp
        if avp: d["attribute_value_params"]=avp
        d["result_metadata"]=bool(meta and opt)
        d["result_fields"]=result
        if request_maps: d["request_maps"]=request_maps
        if result_maps: d["result_maps"]=result_maps
        acts=[iam_action]
        if key=="ecs" and action=="RunTask": acts=["ecs:RunTask","iam:PassRole"]
        if key=="s3" and action=="CopyObject": acts=["s3:GetObject","s3:PutObject"]
        d["iam_actions"]=acts
        d["iam_resource"]=res
        if streaming: d["streaming_result"]=True
        if (key,action) in UNSUPPORTED: d["unsupported"]=True
        if notes: d["notes"]=notes
        out_ops.append(d)
    doc={"service":key,"title":title,"source":SRC,"aws_sdk_service":tok,"aws_sdk_error_prefix":pfx}
    if optpfx: doc["optimized_error_prefix"]=optpfx
    doc["iam_prefix"]=iam
    n=NOTES.get(key)
    if n: doc["notes"]=n
    doc["sdk_names"]={"js_v3_package":pkg,"js_v2_class":v2,"boto3":boto}
    doc["operations"]=out_ops
    with open(os.path.join(HERE, f"{key}.json"),"w") as f:
        json.dump(doc,f,indent=2,ensure_ascii=False); f.write("\n")
print("ok")
