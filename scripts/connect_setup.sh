#!/usr/bin/env bash
# Set up a queue, a routing profile serving it and a quick connect to it with the AWS CLI, then start a task
# there: the same commands work against Amazon Connect (drop --endpoint-url) and against this server.
#   ENDPOINT=http://127.0.0.1:8000 INSTANCE_ID=… AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… \
#   AWS_DEFAULT_REGION=us-east-1 scripts/connect_setup.sh
# Prints the new ids as NAME=value lines. README: "Managing queues, profiles and statuses with the API and the AWS CLI".
set -euo pipefail
: "${ENDPOINT:?set ENDPOINT}" "${INSTANCE_ID:?set INSTANCE_ID}"
PREFIX="${PREFIX:-Escalations}"
cx() { aws connect --endpoint-url "$ENDPOINT" --output text "$@"; }

HOURS_ID=$(cx list-hours-of-operations --instance-id "$INSTANCE_ID" --query 'HoursOfOperationSummaryList[0].Id')
FLOW_ID=$(cx list-contact-flows --instance-id "$INSTANCE_ID" --contact-flow-types QUEUE_TRANSFER \
  --query 'ContactFlowSummaryList[0].Id')

QUEUE_ID=$(cx create-queue --instance-id "$INSTANCE_ID" --name "$PREFIX" \
  --description "Tasks escalated by the back office" --hours-of-operation-id "$HOURS_ID" --max-contacts 50 \
  --tags team=escalations --query QueueId)

PROFILE_ID=$(cx create-routing-profile --instance-id "$INSTANCE_ID" --name "$PREFIX agents" \
  --description "Agents who take escalations" --default-outbound-queue-id "$QUEUE_ID" \
  --media-concurrencies Channel=TASK,Concurrency=3 \
  --queue-configs "QueueReference={QueueId=$QUEUE_ID,Channel=TASK},Priority=1,Delay=0" \
  --query RoutingProfileId)

QUICK_CONNECT_ID=$(cx create-quick-connect --instance-id "$INSTANCE_ID" --name "$PREFIX queue" \
  --quick-connect-config "QuickConnectType=QUEUE,QueueConfig={QueueId=$QUEUE_ID,ContactFlowId=$FLOW_ID}" \
  --query QuickConnectId)
cx associate-queue-quick-connects --instance-id "$INSTANCE_ID" --queue-id "$QUEUE_ID" \
  --quick-connect-ids "$QUICK_CONNECT_ID"

CONTACT_ID=$(cx start-task-contact --instance-id "$INSTANCE_ID" --quick-connect-id "$QUICK_CONNECT_ID" \
  --name "Escalated refund" --description "Set up by scripts/connect_setup.sh" \
  --references 'Order={Value=https://shop.example/orders/1,Type=URL}' --query ContactId)

echo "QUEUE_ID=$QUEUE_ID"
echo "ROUTING_PROFILE_ID=$PROFILE_ID"
echo "QUICK_CONNECT_ID=$QUICK_CONNECT_ID"
echo "CONTACT_ID=$CONTACT_ID"
