#!/usr/bin/env python3
"""Generates a synthetic SAM monorepo for the audit benchmark.

Usage: gen_monorepo.py OUT_DIR [--services 100] [--functions-per-service 20] [--machines-per-service 3]

Defaults give 2,000 functions and 300 state machines: each service has one template.yaml with
20 functions (JavaScript and Python forwarders to DynamoDB, SQS, SNS and EventBridge, and some
handlers that are not replaceable) and 3 state machines (DefinitionUri + DefinitionSubstitutions)
of 6 Tasks each, so 200 functions are called by no Task.
"""
import argparse
import json
import os
import shutil

JS_FORWARDERS = {
    "sqs": """const {{ SQSClient, SendMessageCommand }} = require("@aws-sdk/client-sqs");
const sqs = new SQSClient({{}});
exports.handler = async (event) => {{
  const r = await sqs.send(new SendMessageCommand({{ QueueUrl: process.env.QUEUE_URL, MessageBody: JSON.stringify(event.{field}) }}));
  return {{ messageId: r.MessageId }};
}};
""",
    "dynamodb": """const {{ DynamoDBClient }} = require("@aws-sdk/client-dynamodb");
const {{ DynamoDBDocumentClient, PutCommand }} = require("@aws-sdk/lib-dynamodb");
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({{}}));
exports.handler = async (event) => {{
  await doc.send(new PutCommand({{ TableName: process.env.TABLE_NAME, Item: {{ id: event.id, {field}: event.{field} }} }}));
}};
""",
    "sns": """import {{ SNSClient, PublishCommand }} from "@aws-sdk/client-sns";
const sns = new SNSClient({{}});
export const handler = async (event) => {{
  const r = await sns.send(new PublishCommand({{ TopicArn: process.env.TOPIC_ARN, Message: `Item ${{event.{field}}} is ready` }}));
  return {{ messageId: r.MessageId }};
}};
""",
    "events": """const AWS = require("aws-sdk");
const eb = new AWS.EventBridge();
exports.handler = async (event) => eb.putEvents({{ Entries: [{{ Source: "bench", DetailType: "{field}", Detail: JSON.stringify(event), EventBusName: process.env.BUS_NAME }}] }}).promise();
""",
}

PY_FORWARDER = '''import json
import os

import boto3

sqs = boto3.client("sqs")


def handler(event, context):
    sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(event["{field}"]))
'''

NOT_REPLACEABLE = """const {{ DynamoDBClient, GetItemCommand, PutItemCommand }} = require("@aws-sdk/client-dynamodb");
const ddb = new DynamoDBClient({{}});
exports.handler = async (event) => {{
  const old = await ddb.send(new GetItemCommand({{ TableName: process.env.TABLE_NAME, Key: {{ id: {{ S: event.id }} }} }}));
  let total = 0;
  for (const item of event.items || []) {{ total += item.price * (item.quantity || 1); }}
  if (old.Item && total > 100) {{ total = total * 0.9; }}
  await ddb.send(new PutItemCommand({{ TableName: process.env.TABLE_NAME, Item: {{ id: {{ S: event.id }}, {field}: {{ N: String(total) }} }} }}));
  return {{ total }};
}};
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--services", type=int, default=100)
    ap.add_argument("--functions-per-service", type=int, default=20)
    ap.add_argument("--machines-per-service", type=int, default=3)
    ap.add_argument("--tasks-per-machine", type=int, default=6)
    a = ap.parse_args()
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    kinds = ["sqs", "dynamodb", "sns", "events", "py", "not"]
    for s in range(a.services):
        svc = os.path.join(a.out, "services", f"svc{s:03d}")
        os.makedirs(os.path.join(svc, "statemachines"))
        res = [
            "AWSTemplateFormatVersion: '2010-09-09'",
            "Transform: AWS::Serverless-2016-10-31",
            "Globals:",
            "  Function:",
            "    Runtime: nodejs20.x",
            "    MemorySize: 256",
            "Resources:",
            "  Table:",
            "    Type: AWS::DynamoDB::Table",
            "    Properties:",
            f"      TableName: table-{s}",
            "  Queue:",
            "    Type: AWS::SQS::Queue",
            "  Topic:",
            "    Type: AWS::SNS::Topic",
            "  Bus:",
            "    Type: AWS::Events::EventBus",
            "    Properties:",
            f"      Name: bus-{s}",
        ]
        for f in range(a.functions_per_service):
            kind = kinds[(s + f) % len(kinds)]
            field = f"field{f}"
            code = os.path.join(svc, "src", f"fn{f:02d}")
            os.makedirs(code)
            if kind == "py":
                open(os.path.join(code, "app.py"), "w").write(PY_FORWARDER.format(field=field))
                handler, runtime = "app.handler", "python3.12"
            elif kind == "not":
                open(os.path.join(code, "index.js"), "w").write(NOT_REPLACEABLE.format(field=field))
                handler, runtime = "index.handler", "nodejs20.x"
            else:
                ext = "mjs" if kind == "sns" else "js"
                open(os.path.join(code, f"index.{ext}"), "w").write(JS_FORWARDERS[kind].format(field=field))
                handler, runtime = "index.handler", "nodejs20.x"
            res += [
                f"  Fn{f:02d}:",
                "    Type: AWS::Serverless::Function",
                "    Properties:",
                f"      CodeUri: src/fn{f:02d}/",
                f"      Handler: {handler}",
                f"      Runtime: {runtime}",
                "      Environment:",
                "        Variables:",
                "          TABLE_NAME: !Ref Table",
                "          QUEUE_URL: !Ref Queue",
                "          TOPIC_ARN: !Ref Topic",
                "          BUS_NAME: !Ref Bus",
            ]
        for m in range(a.machines_per_service):
            states = {}
            subs = {}
            names = [f"Step{t}" for t in range(a.tasks_per_machine)]
            for t, name in enumerate(names):
                f = (m * a.tasks_per_machine + t) % a.functions_per_service
                var = f"Fn{f:02d}Arn"
                subs[var] = f"!GetAtt Fn{f:02d}.Arn"
                state = {"Type": "Task"}
                if t % 2 == 0:
                    state["Resource"] = "arn:aws:states:::lambda:invoke"
                    state["Parameters"] = {"FunctionName": "${" + var + "}", "Payload.$": "$"}
                    state["ResultPath"] = "$.r" + str(t)
                else:
                    state["Resource"] = "${" + var + "}"
                    state["ResultPath"] = None
                if t + 1 < len(names):
                    state["Next"] = names[t + 1]
                else:
                    state["End"] = True
                states[name] = state
            path = os.path.join(svc, "statemachines", f"flow{m}.asl.json")
            json.dump({"StartAt": names[0], "States": states}, open(path, "w"), indent=2)
            res += [
                f"  Flow{m}:",
                "    Type: AWS::Serverless::StateMachine",
                "    Properties:",
                f"      DefinitionUri: statemachines/flow{m}.asl.json",
                "      DefinitionSubstitutions:",
            ]
            res += [f"        {k}: {v}" for k, v in subs.items()]
        open(os.path.join(svc, "template.yaml"), "w").write("\n".join(res) + "\n")
    print(f"{a.services * a.functions_per_service} functions, {a.services * a.machines_per_service} state machines in {a.out}")


if __name__ == "__main__":
    main()
